export * from './fixture';
export * from './server';
