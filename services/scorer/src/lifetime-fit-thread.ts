/**
 * One refit of a tenant's lifetime model, in a worker thread: the Nelder-Mead searches take
 * seconds of CPU on a large tenant and must not hold the event loop that consumes batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitBgNbd, fitGammaGamma } from '@bondstream/model';
import type { FitRequest, FitResponse } from './lifetime-refit.js';

const request = workerData as FitRequest;
const response: FitResponse = {
  bgnbd: fitBgNbd(request.purchase, { start: request.bgnbdStart, minRepeatBuyers: request.minRepeatBuyers }),
  gammaGamma: fitGammaGamma(request.spend, { start: request.gammaGammaStart, minRepeatBuyers: request.minRepeatBuyers }),
};
parentPort?.postMessage(response);
