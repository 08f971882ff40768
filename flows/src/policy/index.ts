export * from './schema';
export * from './decide';
export * from './business-hours';
export * from './policy-store';
export * from './shared-store';
export * from './message';
