/**
 * One refit of a tenant's lifetime model, in a worker thread: the Nelder-Mead searches take
 * seconds of CPU on a large tenant and must not hold the event loop that consumes batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitLifetimeModels, type FitRequest } from './lifetime-fit.js';

parentPort?.postMessage(fitLifetimeModels(workerData as FitRequest));
