export * from './schema';
export * from './decide';
export * from './business-hours';
export * from './policy-store';
