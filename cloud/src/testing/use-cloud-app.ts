/**
 * A cloud app for one test suite: built before its tests on `cfg`, closed and its
 * PostgreSQL schema dropped after them. Returns a getter, valid inside the tests.
 */
import { afterAll, beforeAll } from 'vitest';
import type { CloudConfig } from '../config.js';
import { buildCloudApp, type CloudApp, type CloudDeps } from '../http/app.js';
import { dropSchema } from './fixtures.js';

export function useCloudApp(cfg: Readonly<CloudConfig>, deps: CloudDeps = {}): () => CloudApp {
  let cloud: CloudApp | undefined;
  beforeAll(async () => {
    cloud = await buildCloudApp(cfg, deps);
  });
  afterAll(async () => {
    await cloud?.close();
    await dropSchema(cfg);
  });
  return () => {
    if (cloud === undefined) throw new Error('useCloudApp: the cloud app is built in beforeAll; use it inside a test');
    return cloud;
  };
}
