import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  renderReport,
  summarise,
  targets,
  type BaselineRun,
  type BenchReport,
  type OurRun,
} from '../../scripts/bench-report';

/** A run whose steps take the given ms (copy, validate, switch), the rest 0. */
function ours(
  p: number,
  ms: { wall: number; copy: number; validate: number; switch: number; freeze: number },
  rssMb = 120,
): OurRun {
  const step = (name: string, v: number) => ({ step: name, ms: v, rowsRead: 10, cpuMs: 5 });
  return {
    parallelism: p,
    wallMs: ms.wall,
    processMs: ms.wall + 1000,
    maxRssKb: rssMb * 1024,
    cpuMs: 100,
    load1: 1,
    rows: 1_000_000,
    bytes: 400 * 2 ** 20,
    freezeMs: ms.freeze,
    freeze: { scannedRows: 1, reappliedRows: 3 },
    steps: [step('copy', ms.copy), step('validate', ms.validate), step('switch', ms.switch)],
    rowsReadAtExit: 5,
    checks: [{ name: 'checksums', ms: 700, tableMs: { '"public"."t"': 600 } }],
    tables: [
      {
        table: 'public.t',
        qualified: '"public"."t"',
        rows: 900_000,
        bytes: 300 * 2 ** 20,
        ms: ms.copy * 0.8,
      },
      {
        table: 'public.u',
        qualified: '"public"."u"',
        rows: 100_000,
        bytes: 100 * 2 ** 20,
        ms: ms.copy * 0.2,
      },
    ],
    writer: {
      pauseMs: 20,
      committedShared: 90,
      committedIsolated: 10,
      maxWaitMs: 400,
      errors: 0,
      lost: 0,
    },
  };
}

const pipe = (copyMs: number, postDataMs: number): BaselineRun => ({
  mode: 'raw',
  copyMs,
  postDataMs,
  rows: 1_000_000,
  tables: [],
});

function report(): BenchReport {
  return {
    env: [],
    idleRssMb: 100,
    results: [
      {
        size: 1_000_000,
        slug: 'x',
        ours: [
          ours(1, { wall: 14_000, copy: 10_000, validate: 2_000, switch: 3_000, freeze: 1_000 }),
          ours(2, { wall: 14_000, copy: 8_000, validate: 2_000, switch: 2_500, freeze: 1_000 }),
          ours(2, { wall: 16_000, copy: 9_000, validate: 3_000, switch: 3_500, freeze: 1_000 }),
        ],
        baseline: [pipe(10_000, 4_000), pipe(11_000, 5_000)],
        failures: [],
      },
    ],
    tiny: [
      {
        besideRows: 1_100_000,
        beside: [
          { ...ours(2, { wall: 1_400, copy: 100, validate: 300, switch: 200, freeze: 50 }), rows: 100 },
        ],
        empty: [
          { ...ours(2, { wall: 1_300, copy: 100, validate: 300, switch: 200, freeze: 50 }), rows: 100 },
        ],
      },
    ],
  };
}

describe('bench report (issue 18 targets)', () => {
  it('summarises medians per size and parallelism, unfrozen as the median of switch − freeze', () => {
    const [p1, p2] = summarise(report().results[0]!);
    assert.equal(p1!.parallelism, 1);
    assert.equal(p2!.copyMs, 8_500);
    assert.equal(p2!.wallMs, 15_000);
    assert.equal(p2!.pipeMs, 10_500);
    assert.equal(p2!.pipePostMs, 15_000);
    assert.equal(p2!.unfrozenMs, 2_000);
    assert.equal(p2!.largestTable?.table, 'public.t');
    assert.equal(p2!.writer?.commits, 100);
  });

  it('judges each target at the default parallelism and says MET or MISSED', () => {
    const v = targets(report());
    const by = (n: number) => v.filter((x) => x.target === n);
    // 15.0 / 10.5 = 1.43× the pipe: met (≤ 1.5×).
    assert.equal(by(1)[0]!.met, true);
    assert.match(by(1)[0]!.text, /1\.43× the bare pipe/);
    // checks 2.5 s / copy 8.5 s = 0.29×: met.
    assert.equal(by(2)[0]!.met, true);
    // p2 copy 8.5 s vs p1 10 s: never slower, met; copy 8.5 / pipe 10.5: met.
    assert.deepEqual(
      by(3).map((x) => x.met),
      [true, true],
    );
    // 1.4 s beside, 1.3 s alone: 1.08×, ≤ 1.5 s: met.
    assert.equal(by(4)[0]!.met, true);
    // unfrozen 2.0 s / copy 8.5 s = 0.24×: missed.
    assert.equal(by(5)[0]!.met, false);
    assert.equal(by(6)[0]!.met, true);
  });

  it('misses the switch target when the writer lost a write, and the tiny one beyond 1.2× alone', () => {
    const r = report();
    r.results[0]!.ours = r.results[0]!.ours.map((o) => ({
      ...o,
      steps: o.steps.map((s) => (s.step === 'switch' ? { ...s, ms: o.freezeMs! + 100 } : s)),
      writer: { ...o.writer!, lost: 1 },
    }));
    r.tiny[0]!.empty = r.tiny[0]!.empty.map((o) => ({ ...o, wallMs: 1_000 }));
    const v = targets(r);
    assert.equal(v.find((x) => x.target === 5)!.met, false);
    assert.equal(v.find((x) => x.target === 4)!.met, false);
  });

  it('renders every target with its verdict and the per-table check costs', () => {
    const md = renderReport(report());
    for (const n of [1, 2, 3, 4, 5, 6])
      assert.match(md, new RegExp(`^- ${n}\\. .*\\*\\*(MET|MISSED)\\*\\*$`, 'm'));
    assert.match(md, /\| public\.t \| 900000 \| 600 \(0\.67\) \|/);
  });
});
