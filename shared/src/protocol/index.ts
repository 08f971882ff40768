export * from './ack';
export * from './advisor';
export * from './advisor-core';
export * from './advisor-routing';
export * from './advisor-service';
export * from './advisor-quality';
export * from './advisor-dashboard';
export * from './advisor-records';
