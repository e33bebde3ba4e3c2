import * as fs from 'node:fs';
import { dataConfigPath, readDataConfig } from '../../core/data/dataConfig';
import { previewData } from '../../core/runtime/dataPreview';
import { DataSection } from '../protocol/modelOverview';

/**
 * The overview's Data section of `model`: its data configuration in words and the exact model's accuracy on
 * the first samples against chance, or why either could not be had. `relative` shows a path as the user knows it.
 */
export async function dataSection(model: string, relative: (file: string) => string): Promise<DataSection> {
  const file = dataConfigPath(model);
  const section: DataSection = { file: relative(file) };
  if (!fs.existsSync(file)) return section;
  try {
    const c = readDataConfig(file);
    const p = c.preprocessing;
    section.config = {
      input: relative(c.input),
      labels: relative(c.labels),
      layout: p.nhwc ? 'channels last, moved first' : 'as stored',
      scale: p.scale === undefined ? 'none' : Math.abs(p.scale * 255 - 1) < 1e-9 ? '1/255' : String(p.scale),
      mean: p.mean?.join(', ') ?? 'none',
      std: p.std?.join(', ') ?? 'none',
      standardize: !!p.standardize,
    };
    const preview = await previewData(model, c);
    // the problem names the input as the section does
    const problem = preview.problem?.split(c.input).join(section.config.input);
    section.preview = { samples: preview.samples, accuracy: preview.accuracy, chance: preview.chance, ...(problem ? { problem } : {}) };
  } catch (e) {
    section.error = (e as Error).message;
  }
  return section;
}
