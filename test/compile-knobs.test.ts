import * as assert from 'node:assert/strict';
import { KNOBS, applicableKnobs, formatKnobIds, knob, knobName, nominalSpeedup } from '../src/core/knobs/catalog';
import { formatLayerLine, parseHpvm } from '../src/core/knobs/configuration';

describe('knob catalog', () => {
  it('holds the HPVM ids of src/core/DESIGN.md §2 and the int8 family, and nothing else', () => {
    const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
    assert.deepEqual(KNOBS.map((k) => k.id), [
      11, 12, ...range(121, 138), ...range(151, 168), ...range(231, 239), ...range(261, 269), 311, ...range(321, 338), ...range(341, 349),
    ]);
    assert.throws(() => knob(139), /139 is not an approximation knob/);
    assert.throws(() => knob(339), /339 is not an approximation knob/);
  });

  it('decodes perforation and sampling parameters as the id table lists them', () => {
    const perf = (id: number) => knob(id).perforation;
    assert.deepEqual(perf(121), { direction: 'col', stride: 2, offset: 0 });
    assert.deepEqual(perf(124), { direction: 'row', stride: 2, offset: 1 });
    assert.deepEqual(perf(127), { direction: 'col', stride: 3, offset: 2 });
    assert.deepEqual(perf(128), { direction: 'row', stride: 3, offset: 0 });
    assert.deepEqual(perf(134), { direction: 'col', stride: 4, offset: 3 });
    assert.deepEqual(perf(135), { direction: 'row', stride: 4, offset: 0 });
    assert.deepEqual(perf(138), { direction: 'row', stride: 4, offset: 3 });
    for (let id = 151; id <= 168; id++) assert.deepEqual(perf(id), perf(id - 30));
    assert.deepEqual(knob(231).sampling, { stride: 2, offset: 0 });
    assert.deepEqual(knob(235).sampling, { stride: 3, offset: 2 });
    assert.deepEqual(knob(236).sampling, { stride: 4, offset: 0 });
    for (let id = 261; id <= 269; id++) assert.deepEqual(knob(id).sampling, knob(id - 30).sampling);
    for (let id = 321; id <= 338; id++) assert.deepEqual(perf(id), perf(id - 200));
    for (let id = 341; id <= 349; id++) assert.deepEqual(knob(id).sampling, knob(id - 110).sampling);
    assert.deepEqual(KNOBS.filter((k) => k.int8).map((k) => k.id), KNOBS.map((k) => k.id).filter((id) => id >= 311));
  });

  it('names knobs as ApproxTuner does and gives the nominal speedups', () => {
    assert.deepEqual([11, 12, 130, 160, 233, 263, 311, 330, 343].map(knobName), [
      'fp32', 'fp16', 'perf', 'perf_fp16', 'samp', 'samp_fp16', 'int8', 'perf_int8', 'samp_int8',
    ]);
    assert.deepEqual([311, 321, 325, 341, 343].map(nominalSpeedup), [2, 4, 3, 4, 3]);
    assert.deepEqual([11, 12, 121, 125, 131, 151, 155, 161, 231, 233, 236, 261, 263, 266].map(nominalSpeedup), [
      1, 1.5, 2, 1.5, 1.33, 3, 2.25, 2, 2, 1.5, 1.33, 3, 2.25, 2,
    ]);
    const halves = KNOBS.filter((k) => k.half).map((k) => k.id);
    assert.deepEqual(halves, KNOBS.map((k) => k.id).filter((id) => id === 12 || (id >= 151 && id <= 168) || (id >= 261 && id <= 269)));
  });

  it('applies perforation only along output axes of at least 2, sampling only to filters of at least `stride` elements', () => {
    const conv = { op: 'conv', part: 0, outputHeight: 1, outputWidth: 5, filterElements: 3 };
    const ids = applicableKnobs(conv);
    assert.ok(!ids.some((id) => knob(id).perforation?.direction === 'row'));
    assert.ok(ids.includes(121) && ids.includes(161));
    assert.deepEqual(ids.filter((id) => knob(id).sampling).map((id) => knob(id).sampling!.stride), [2, 2, 3, 3, 3, 2, 2, 3, 3, 3, 2, 2, 3, 3, 3]);
    assert.deepEqual(applicableKnobs({ op: 'add', part: 0 }), [11, 12]);
    assert.deepEqual(applicableKnobs({ op: 'conv', part: 1, outputHeight: 8, outputWidth: 8, filterElements: 9 }), [11, 12]);
    assert.equal(applicableKnobs({ op: 'group_conv', part: 0, outputHeight: 8, outputWidth: 8, filterElements: 9 }).length, 84);
    // int8's int32 sums: at most 65536 filter elements
    const huge = applicableKnobs({ op: 'conv', part: 0, outputHeight: 8, outputWidth: 8, filterElements: 65537 });
    assert.ok(!huge.some((id) => knob(id).int8) && huge.includes(121));
    assert.ok(applicableKnobs({ op: 'conv', part: 0, outputHeight: 8, outputWidth: 8, filterElements: 65536 }).includes(311));
  });

  it('prints id lists compactly and layer lines in HPVM form', () => {
    assert.equal(
      formatKnobIds(applicableKnobs({ op: 'conv', part: 0, outputHeight: 4, outputWidth: 4, filterElements: 27 })),
      '11 12 121-138 151-168 231-239 261-269 311 321-338 341-349',
    );
    assert.equal(formatKnobIds([11, 12, 121, 122, 125, 126, 127]), '11 12 121 122 125-127');
    const slots = [{ op: 'conv', knob: 160 }, { op: 'add', knob: 11 }, { op: 'relu', knob: 12 }, { op: 'pool_max', knob: 12 }];
    assert.equal(formatLayerLine(2, slots), '2 gpu conv perf_fp16 160 add fp32 11 relu fp16 12 pool_max fp16 12');
  });

  it('writes an int8 knob with its input quantisation, as a float32 that reads back exactly', () => {
    const scale = Math.fround(0.1);
    const line = formatLayerLine(3, [{ op: 'conv', knob: 323, quant: { scale, zero: 0 } }, { op: 'relu', knob: 11 }]);
    assert.equal(line, '3 gpu conv perf_int8 323 q=0.100000001,0 relu fp32 11');
    const parsed = parseHpvm(`0\n+++++\nc 1 1 0 0\n${line.replace(/^3/, '1')}\n-----\n`);
    assert.deepEqual(parsed.configurations[0].layers[0][0], { op: 'conv', knob: 323, quant: { scale, zero: 0 } });
    const missing = `0\n+++++\nc 1 1 0 0\n1 gpu conv int8 311 relu fp32 11\n-----\n`;
    assert.throws(() => parseHpvm(missing, 'set.txt'), /set\.txt:4: c: int8 knob 311 of conv needs its input quantisation: expected q=<scale>,<zero>.*found 'relu'/);
    assert.throws(() => parseHpvm(missing.replace('relu fp32 11', 'q=0.5,64 relu fp32 11')), /zero 0 or 128/);
  });
});
