/**
 * Which panel a metric is drawn in. Without a `groups` option: strip a stage prefix/suffix (`train_`, `val/`,
 * `_step`, `_epoch`, …) so `train_loss` and `val_loss` share axes, then take the part before the first `/`
 * (`batchMetrics/dLoss` → `batchMetrics`).
 */
export type GroupsOption = Record<string, string[]> | ((metric: string) => string | undefined);

const stagePrefix = /^(train|training|val|valid|validation|test)[_/.-]/i;
const stageSuffix = /[_/.-](step|epoch)$/i;
const validationPrefix = /^(val|valid|validation)[_/.-]|[_/.-](val|valid|validation)$/i;

/** The metric's name without stage decorations. */
export function baseMetricName(name: string): string {
  return name.replace(stagePrefix, "").replace(stageSuffix, "") || name;
}

export function isValidationMetric(name: string): boolean {
  return validationPrefix.test(name);
}

export function groupOf(name: string, groups?: GroupsOption): string {
  if (typeof groups === "function") {
    const g = groups(name);
    if (g) return g;
  } else if (groups) {
    for (const [title, members] of Object.entries(groups)) {
      if (members.includes(name) || members.includes(baseMetricName(name))) return title;
    }
  }
  const base = baseMetricName(name);
  const slash = base.indexOf("/");
  return slash > 0 ? base.slice(0, slash) : base;
}
