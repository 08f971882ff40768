export * from './faq';
export * from './escalation';
export * from './replies';
export * from './compliance';
export * from './policy';
