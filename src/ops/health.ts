/**
 * Readiness: each part registers a check; /healthz answers 200 only when every check is ready,
 * and includes each part's details (e.g. the delivery backlog) so a stuck queue is visible.
 */
export interface PartHealth {
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

export type HealthCheck = () => PartHealth | Promise<PartHealth>;

export class Health {
  readonly #checks = new Map<string, HealthCheck>();

  register(part: string, check: HealthCheck): void {
    this.#checks.set(part, check);
  }

  async report(): Promise<{ ready: boolean; parts: Record<string, PartHealth> }> {
    const parts: Record<string, PartHealth> = {};
    for (const [name, check] of this.#checks) {
      try {
        parts[name] = await check();
      } catch (rawError) {
        parts[name] = { ready: false, error: rawError instanceof Error ? rawError.message : String(rawError) };
      }
    }
    return { ready: Object.values(parts).every((p) => p.ready), parts };
  }
}
