/**
 * Binding precedence, as pure functions over the rules of one domain (rule key → template id).
 *
 * Callback rules are keyed by AppName: a rule for the stream's own AppName wins over the
 * domain-wide rule (AppName ''), which is what the console's domain-level binding writes.
 * Snapshot and record rules are keyed by mediaRuleKey(AppName, StreamName); see resolveMediaRule.
 */
export type RulesOfDomain = ReadonlyMap<string, number>;

export function resolveTemplateId(rules: RulesOfDomain | undefined, appName: string): number | undefined {
  if (!rules) return undefined;
  return rules.get(appName) ?? rules.get('');
}

/** One string per (AppName, StreamName) of a rule; '' = any. Neither can contain a newline. */
export const mediaRuleKey = (app: string, stream: string): string => `${app}\n${stream}`;

/**
 * Snapshot/record rule precedence: the rule for this very stream wins (its AppName first, then a
 * rule for the stream under any AppName), then the AppName's rule, then the domain-wide one.
 */
export function resolveMediaRule(rules: RulesOfDomain | undefined, app: string, stream: string): number | undefined {
  if (!rules) return undefined;
  return (
    rules.get(mediaRuleKey(app, stream)) ??
    rules.get(mediaRuleKey('', stream)) ??
    rules.get(mediaRuleKey(app, '')) ??
    rules.get(mediaRuleKey('', ''))
  );
}
