export type State = "starting" | "ready" | "draining";

/** Readiness state: only "ready" receives traffic; /readyz answers 503 in the other two. */
export class Lifecycle {
  private current: State = "starting";

  get state(): State {
    return this.current;
  }

  markReady(): void {
    if (this.current === "starting") this.current = "ready";
  }

  markDraining(): void {
    this.current = "draining";
  }
}
