/**
 * A configuration problem found at start. `problems` holds one line per problem, each starting
 * with the name of the offending variable (or `CRM_POLICY_FILE (<path>)` for policy-file
 * problems); the message is those lines joined by newlines. Secret values are never included.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('\n'));
    this.name = 'ConfigError';
    this.problems = list;
  }
}
