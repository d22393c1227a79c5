import { fitBgNbd, fitGammaGamma, type BgNbdParams, type FitResult, type GammaGammaParams, type PurchaseCell, type SpendCell } from '@bondstream/model';

/** What a refit fits (structured-cloned into the fit thread). */
export interface FitRequest {
  purchase: PurchaseCell[];
  spend: SpendCell[];
  bgnbdStart?: BgNbdParams;
  gammaGammaStart?: GammaGammaParams;
  minRepeatBuyers: number;
}
export interface FitResponse {
  bgnbd: FitResult<BgNbdParams>;
  gammaGamma: FitResult<GammaGammaParams>;
}
export type RunFit = (request: FitRequest) => Promise<FitResponse>;

/** Both fits of one refit, warm-started from the request's previous parameters. */
export function fitLifetimeModels(request: FitRequest): FitResponse {
  return {
    bgnbd: fitBgNbd(request.purchase, { start: request.bgnbdStart, minRepeatBuyers: request.minRepeatBuyers }),
    gammaGamma: fitGammaGamma(request.spend, { start: request.gammaGammaStart, minRepeatBuyers: request.minRepeatBuyers }),
  };
}
