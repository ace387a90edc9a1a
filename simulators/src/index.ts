/**
 * @tebura/sim: the virtual store. Raw signals out over MQTT through the contract,
 * ground truth to a separate file, recordings, replay, scoring and the AiFi converter.
 */
export { Scenario, scenarioProblems } from './scenario.js';
export { loadStore, loadScenario, parseStore, parseScenario } from './load.js';
export { population, facePeople, palmScan, PALM_TEMPLATE_DIM, PALM_TEMPLATE_FORMAT, type ShopperIdentity } from './population.js';
export { SimEngine, LEAD_IN_MS, type OutMsg, type FacePhoto, type DecisionLike, type EngineConfig } from './engine.js';
export { generateTraffic, generateToFile, openEveryone, type GenerateOptions, type GenerateResult } from './generate.js';
export { runSimulation, DECISION_WAIT_MS_DEFAULT, GATEWAY_SPEED_MIN, type SimHooks, type SimRunOptions, type SimRunSummary, type SimProgress } from './run.js';
export { replay, retimePayload, type ReplayOptions, readRecording, RecordingWriter, recordLine, RECORDING_FORMAT, RECORDING_VERSION, type RecordingHeader, type RecordedMessage } from './record.js';
export { loadFacePhotos, gatePhoto, sniffMime } from './faces.js';
export { loadTruth, type GroundTruth, type TruthSession, type TruthEvent, type BasketLine } from './truth.js';
export { scoreRun, percentiles, type ScoredReceipt, type EvalScores, type EvalMismatch } from './score.js';
export { benchGenerator, type BenchResult } from './bench.js';
export { convertAifi, skuOf, gtTimeMs, AIFI_STORE_ID } from './aifi.js';
export { convertAifiBenchmark1, AIFI_BENCH1_STORE_ID } from './aifi-bench1.js';
export { captureTraffic, type CaptureOptions } from './capture.js';
