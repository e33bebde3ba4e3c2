import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, writeNpy, parseNpy } from '../src/core/data/npy';
import { readNpz, writeNpz } from '../src/core/data/npz';
import { NdArray } from '../src/core/data/ndarray';
import { SYSTEM_PYTHON, requireNumpy } from './support/requirements';


describe('npy and npz', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mpx-npy-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const samples: NdArray[] = [
    { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1.5, -2, 3e-8, Infinity, 0, 7]) },
    { dtype: 'float64', shape: [3], data: Float64Array.from([Math.PI, -1e300, 0.1]) },
    { dtype: 'int32', shape: [2, 1, 2], data: Int32Array.from([-2147483648, 5, 6, 2147483647]) },
    { dtype: 'int64', shape: [2], data: BigInt64Array.from([-(2n ** 62n), 9007199254740993n]) },
    { dtype: 'uint8', shape: [0, 4], data: new Uint8Array(0) },
  ];

  for (const a of samples) {
    it(`round-trips ${a.dtype} of shape (${a.shape.join(',')})`, () => {
      const f = path.join(dir, 'a.npy');
      writeNpy(f, a);
      const b = readNpy(f);
      assert.equal(b.dtype, a.dtype);
      assert.deepEqual(b.shape, a.shape);
      assert.deepEqual(Array.from(b.data as ArrayLike<unknown>), Array.from(a.data as ArrayLike<unknown>));
    });
  }

  it('is read by NumPy as written, and reads what NumPy writes', function () {
    requireNumpy(this, 'to read and write .npy files as numpy does');
    const ours = path.join(dir, 'ours.npy');
    writeNpy(ours, samples[2]);
    const seen = execFileSync(SYSTEM_PYTHON, ['-c', `import numpy as n; a=n.load(${JSON.stringify(ours)}); print(a.dtype, a.shape, a.ravel().tolist())`]).toString().trim();
    assert.equal(seen, 'int32 (2, 1, 2) [-2147483648, 5, 6, 2147483647]');
    const theirs = path.join(dir, 'theirs.npz');
    execFileSync(SYSTEM_PYTHON, ['-c', `import numpy as n; n.savez_compressed(${JSON.stringify(theirs)}, x=n.arange(12, dtype=n.float32).reshape(3,4), y=n.array([3,1], dtype=n.int64))`]);
    const z = readNpz(theirs);
    assert.deepEqual(z.get('x')!.shape, [3, 4]);
    assert.equal((z.get('x')!.data as Float32Array)[11], 11);
    assert.deepEqual(Array.from(z.get('y')!.data as BigInt64Array), [3n, 1n]);
  });

  it('round-trips an npz archive', () => {
    const f = path.join(dir, 'a.npz');
    writeNpz(f, { x: samples[0], y: samples[2] }, true);
    const z = readNpz(f);
    assert.deepEqual([...z.keys()].sort(), ['x', 'y']);
    assert.deepEqual(Array.from(z.get('y')!.data as Int32Array), Array.from(samples[2].data as Int32Array));
  });

  it('refuses what it cannot read, naming the file and the reason', () => {
    const f = path.join(dir, 'bad.npy');
    const header = (descr: string, fortran = 'False', shape = '(2,)') => {
      const h = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }\n`;
      const b = Buffer.alloc(10);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(b);
      b.writeUInt16LE(h.length, 8);
      return Buffer.concat([b, Buffer.from(h), Buffer.alloc(8)]);
    };
    const cases: [Buffer, RegExp][] = [
      [Buffer.alloc(0), /bad\.npy.*NumPy magic/],
      [header('<f2'), /dtype '<f2' is not supported/],
      [header('>f4'), /dtype '>f4' is not supported/],
      [header('<f4', 'True'), /Fortran order/],
      [header('<f4', 'False', '(100000000, 100000000)'), /needs .* data bytes but the file has 8/],
      [header('<f4').subarray(0, 20), /header is truncated/],
    ];
    for (const [bytes, message] of cases) {
      fs.writeFileSync(f, bytes);
      assert.throws(() => readNpy(f), (e: Error) => message.test(e.message) && e.message.includes(f), message.source);
    }
    assert.throws(() => readNpy(path.join(dir, 'missing.npy')), /Cannot read .*missing\.npy: ENOENT/);
  });

  it('reads format version 2 headers', () => {
    const h = "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }\n";
    const b = Buffer.alloc(12);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]).copy(b);
    b.writeUInt32LE(h.length, 8);
    const data = Buffer.alloc(4);
    data.writeInt32LE(-7);
    const a = parseNpy(Buffer.concat([b, Buffer.from(h), data]));
    assert.deepEqual(Array.from(a.data as Int32Array), [-7]);
  });
});
