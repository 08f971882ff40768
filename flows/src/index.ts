export * from './replies';
export * from './compliance';
export * from './policy';
export * from './dialogs';
export * from './nlu';
export * from './kb';
export * from './llm';
