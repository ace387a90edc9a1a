/**
 * The face pipeline for one test file or describe block: loaded (single-threaded,
 * so parallel test files do not fight over 2 cores) before its tests and closed
 * after them. Returns a getter, valid inside the tests.
 */
import { afterAll, beforeAll } from 'vitest';
import { loadFacePipeline, type FacePipeline } from '../face/pipeline.js';

export function useFacePipeline(): () => FacePipeline {
  let pipeline: FacePipeline | undefined;
  beforeAll(async () => {
    pipeline = await loadFacePipeline({ intraOpThreads: 1 });
  }, 120_000);
  afterAll(async () => {
    await pipeline?.close();
  });
  return () => {
    if (pipeline === undefined) throw new Error('useFacePipeline: the pipeline is loaded in beforeAll; use it inside a test');
    return pipeline;
  };
}
