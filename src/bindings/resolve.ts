/**
 * Binding precedence, as a pure function: a rule for the stream's own AppName wins over the
 * domain-wide rule (AppName ''), which is what the console's domain-level binding writes.
 */
export type RulesOfDomain = ReadonlyMap<string, number>;

export function resolveTemplateId(rules: RulesOfDomain | undefined, appName: string): number | undefined {
  if (!rules) return undefined;
  return rules.get(appName) ?? rules.get('');
}
