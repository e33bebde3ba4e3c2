import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KWS_CLASSES, SPLITS, datasetClips, speakerOf, splitOf } from '../src/core/audio/speechCommands';
import { REPO_ROOT, SHARED, requireShared } from './support/engine';
import { unavailable } from './support/requirements';

const DATA = path.join(SHARED, 'datasets/speech-commands');

describe('audio: Speech Commands speaker split', () => {
  it('reads the speaker from each naming scheme', () => {
    assert.equal(speakerOf('/d/yes/022cd682_nohash_0.wav'), '022cd682');
    assert.equal(speakerOf('/d/_unknown_/backward_0c540988_nohash_2.wav'), '0c540988');
    assert.equal(speakerOf('/d/_silence_/1024.wav'), '1024');
    assert.equal(splitOf('/a/yes/0bac8a71_nohash_0.wav'), splitOf('/b/_unknown_/wow_0bac8a71_nohash_3.wav'));
  });

  it('puts every speaker in exactly one split, about 70 / 10 / 20 % of the clips', function () {
    requireShared(this, 'datasets/speech-commands');
    const seen = new Map<string, string>();
    const counts = { train: 0, val: 0, test: 0 };
    for (const split of SPLITS) {
      for (const c of datasetClips(DATA, split)) {
        const speaker = speakerOf(c.file);
        const before = seen.get(speaker);
        assert.ok(before === undefined || before === split, `speaker ${speaker} is in ${before} and ${split}`);
        seen.set(speaker, split);
        counts[split]++;
      }
    }
    const total = counts.train + counts.val + counts.test;
    assert.equal(total, datasetClips(DATA).length);
    assert.ok(Math.abs(counts.train / total - 0.7) < 0.05 && Math.abs(counts.test / total - 0.2) < 0.05, JSON.stringify(counts));
    const testClasses = new Set(datasetClips(DATA, 'test').map((c) => c.label));
    assert.equal(testClasses.size, KWS_CLASSES.length, 'the test split holds every class');
  });

  it('agrees with the training script on every clip', function () {
    requireShared(this, 'datasets/speech-commands');
    const clips = datasetClips(DATA);
    const script = `import sys; sys.path.insert(0, ${JSON.stringify(path.join(REPO_ROOT, 'toolchain/train'))})
import kws_frontend as fe
for p, l in fe.dataset_files(${JSON.stringify(DATA)}): print(fe.split_of(p), l, p)`;
    let out: string;
    try {
      out = execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 26 });
    } catch (e) {
      return unavailable(this, `/usr/bin/python3 cannot run the training front end (${(e as Error).message.split('\n')[0]}).`);
    }
    const lines = out.trim().split('\n');
    assert.equal(lines.length, clips.length);
    lines.forEach((line, i) => assert.equal(line, `${splitOf(clips[i].file)} ${clips[i].label} ${clips[i].file}`));
    assert.ok(fs.existsSync(clips[0].file));
  });
});
