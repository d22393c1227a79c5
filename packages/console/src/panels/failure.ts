import type { Failure } from '../api.js';
import { note } from '../dom.js';

/** What a panel shows instead of its data. */
export function failureNote(failure: Failure, endpoint: string): HTMLParagraphElement {
  switch (failure.kind) {
    case 'not_available':
      return note(`Not available: this API has no ${endpoint} yet.`, 'warn');
    case 'not_found':
      return note(failure.message, 'info');
    case 'forbidden':
      return note(`This token may not read this tenant (${failure.message}).`, 'warn');
    case 'unauthorized':
      return note('Needs a valid API token.', 'warn');
    case 'error':
      return note(`Could not load: ${failure.message}`, 'warn');
  }
}
