/**
 * The display callbacks a Trainer gets unless told otherwise (the package entry passes this factory to
 * `Trainer.registerDefaultCallbacks`): a LiveChart inside Jupyter, a TextProgress line in plain node.
 */
import type { Callback } from "../trainer/callback";
import { isInsideJupyter } from "./jupyter-sink";
import { LiveChart } from "./live-chart";
import type { LiveOptions } from "./live-options";
import { TextProgress } from "./text-progress";
import type { TrainerView } from "./trainer-view";

export function createDefaultDisplayCallbacks(trainer: Pick<TrainerView, "options">, inJupyter: boolean = isInsideJupyter()): Callback[] {
  const live = trainer.options?.live;
  if (inJupyter && live !== false) return [new LiveChart(typeof live === "object" && live !== null ? (live as LiveOptions) : {})];
  if (!inJupyter && trainer.options?.enableProgressBar !== false) return [new TextProgress()];
  return [];
}
