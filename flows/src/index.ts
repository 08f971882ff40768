export * from './faq';
export * from './escalation';
export * from './replies';
