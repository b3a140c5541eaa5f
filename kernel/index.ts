/**
 * tslab-lightning: PyTorch Lightning 2.x's trainer API on TensorFlow.js, with live charts beneath the running cell.
 * `tf` is re-exported so notebook cells and the library share one TensorFlow.js instance.
 *
 * The trainer knows no screen: this entry wires the layers above it (the live display) in as default callbacks.
 */
import * as tf from "@tensorflow/tfjs";
import { Trainer } from "./trainer";
import { createDefaultDisplayCallbacks } from "./display";
import { silenceCpuBanner } from "./backend/activate";

export { tf };
export * from "./trainer";
export { LiveChart, TextProgress, isInsideJupyter, type LiveOptions } from "./display";
export * from "./data";
export { dashboard, closeDashboard, DashboardCallback, type Dashboard } from "./stream";
export { selectBackend, ensureBackend } from "./backend/select";
export { describeBackend, type BackendReport } from "./backend/report";

Trainer.registerDefaultCallbacks(createDefaultDisplayCallbacks);
// Also when a user picks cpu with tf.setBackend before any fit: the tfjs-node advert is noise in a notebook.
silenceCpuBanner();
