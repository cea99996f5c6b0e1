export { z } from 'zod';
export * from './parse-env';
export * from './fields';
