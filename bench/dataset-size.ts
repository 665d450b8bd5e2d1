/** The dataset size a bench command runs at: a preset (argument or BENCH_PRESET), overridden by BENCH_TOPICS / BENCH_EPOCHS. */
import { PRESETS, type DatasetSize, type PresetName } from "./dataset-plan.js";

export function datasetSizeFromArgs(arg: string | undefined, fallback: PresetName): { label: string; size: DatasetSize } {
  const name = arg ?? process.env.BENCH_PRESET ?? fallback;
  if (!(name in PRESETS)) throw new Error(`unknown preset ${JSON.stringify(name)}: one of ${Object.keys(PRESETS).join(", ")}`);
  const preset = PRESETS[name as PresetName];
  const topics = Number(process.env.BENCH_TOPICS ?? preset.topics);
  const epochs = Number(process.env.BENCH_EPOCHS ?? preset.epochs);
  const custom = topics !== preset.topics || epochs !== preset.epochs;
  return { label: custom ? "custom" : name, size: { topics, epochs } };
}

export const formatCount = (n: number) => n.toLocaleString("en-US");
