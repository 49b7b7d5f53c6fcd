export * from './fixture';
export * from './server';
export * from './local-config';
