/**
 * The adaptation engine in Java: a line-by-line port of the reference state machines (src/core/adapt:
 * engine.ts, naive.ts, stateDriven.ts, confidenceDriven.ts, budget.ts, contextRules.ts), with the
 * parameters baked in. Every step is the same integer or double arithmetic in the same order, so the
 * engine makes exactly the simulator's decisions.
 */
import { ContextRule } from '../adapt/contextRules';
import { StrategySpec } from '../adapt/strategies';
import { EngineModel, strategyKinds } from './engineModel';
import { doubleArray, doubleLiteral, doubleMatrix, stringLiteral } from './literals';

const STEPPER = `
    /** "More" = index + step, then step *= factor; "less" = index / 2, step = 1; clamped to [min, max]. */
    static final class IndexStepper {
        int index;
        int step = 1;
        int min = 0;
        int max;
        private final int count;
        private final int factor;
        private final int stepCap;

        IndexStepper(int count, boolean exponential) {
            this.count = count;
            this.max = count - 1;
            this.factor = exponential ? 2 : 1;
            this.stepCap = Math.max(1, count - 1);
            this.index = 0;
        }

        int more() {
            index = Math.min(index + step, max);
            step = Math.min(step * factor, stepCap);
            return index;
        }

        int less() {
            index = Math.max(index / 2, min);
            step = 1;
            return index;
        }

        int lowest() {
            index = min;
            step = 1;
            return index;
        }

        int restrict(int min, int max) {
            checkRange(min, max, count);
            this.min = min;
            this.max = max;
            index = clampIndex(index, min, max);
            return index;
        }
    }

    static int clampIndex(int index, int min, int max) {
        return index < min ? min : index > max ? max : index;
    }

    static void checkRange(int min, int max, int count) {
        if (min < 0 || max >= count || min > max) {
            throw new IllegalArgumentException("The allowed configuration range [" + min + ", " + max
                + "] must be whole indices with 0 <= min <= max <= " + (count - 1) + ".");
        }
    }

    static void checkClass(int prediction, int classes) {
        if (prediction < 0 || prediction >= classes) {
            throw new IllegalArgumentException("Predicted class " + prediction + " is outside the " + classes
                + " classes of the confidence thresholds.");
        }
    }
`;

const CLASSES: Record<StrategySpec['kind'], string> = {
  fixed: `
    /** Never moves: the pinned configuration, or the nearest one the allowed range permits. */
    static final class Fixed implements Strategy {
        private final int count;
        private final int pinned;
        private int current;

        Fixed(int count, int pinned) {
            this.count = count;
            this.pinned = pinned;
            this.current = pinned;
        }

        public int index() {
            return current;
        }

        public int next(int prediction, double confidence) {
            return current;
        }

        public int restrict(int min, int max) {
            checkRange(min, max, count);
            current = clampIndex(pinned, min, max);
            return current;
        }
    }
`,
  naive: `
    /** More when a prediction repeats the previous one, less when it differs. */
    static final class Naive implements Strategy {
        private final IndexStepper stepper;
        private int previous = -1;

        Naive(int count, boolean exponential) {
            stepper = new IndexStepper(count, exponential);
        }

        public int index() {
            return stepper.index;
        }

        public int next(int prediction, double confidence) {
            if (previous >= 0) {
                if (prediction == previous) stepper.more();
                else stepper.less();
            }
            previous = prediction;
            return stepper.index;
        }

        public int restrict(int min, int max) {
            return stepper.restrict(min, max);
        }
    }
`,
  state: `
    /** A FIFO of the last N predictions votes once full; at V >= V_L more, at V <= -V_L less, then V = 0. */
    static final class StateDriven implements Strategy {
        private final IndexStepper stepper;
        private final int window;
        private final int voteLimit;
        private final int[] fifo;
        private int head = 0;
        private int filled = 0;
        private int vote = 0;

        StateDriven(int count, boolean exponential, int window, int voteLimit) {
            this.window = window;
            this.voteLimit = voteLimit;
            this.stepper = new IndexStepper(count, exponential);
            this.fifo = new int[window];
        }

        public int index() {
            return stepper.index;
        }

        public int next(int prediction, double confidence) {
            fifo[head] = prediction;
            head = (head + 1) % window;
            if (filled < window) filled++;
            if (filled < window) return stepper.index;

            boolean allEqual = true;
            for (int k = 1; k < window; k++) if (fifo[k] != fifo[0]) allEqual = false;
            vote = allEqual ? Math.max(0, vote) + 1 : Math.min(0, vote) - 1;
            if (vote >= voteLimit) {
                stepper.more();
                vote = 0;
            } else if (vote <= -voteLimit) {
                stepper.less();
                vote = 0;
            }
            return stepper.index;
        }

        public int restrict(int min, int max) {
            return stepper.restrict(min, max);
        }
    }
`,
  confidence: `
    /** Less below LESS_BELOW[k][class], more above MORE_ABOVE[k][class], else stay. */
    static final class ConfidenceDriven implements Strategy {
        private final IndexStepper stepper;

        ConfidenceDriven(boolean exponential) {
            stepper = new IndexStepper(LESS_BELOW.length, exponential);
        }

        public int index() {
            return stepper.index;
        }

        public int next(int prediction, double confidence) {
            int k = stepper.index;
            checkClass(prediction, LESS_BELOW[k].length);
            if (confidence < LESS_BELOW[k][prediction]) stepper.less();
            else if (confidence > MORE_ABOVE[k][prediction]) stepper.more();
            return stepper.index;
        }

        public int restrict(int min, int max) {
            return stepper.restrict(min, max);
        }
    }
`,
  budget: `
    /**
     * Keeps the mean relative cost under BUDGET: rests at home (the most accurate configuration that fits,
     * else the cheapest), banks credit += BUDGET - COSTS[k] (capped at SLACK) and spends it on doubtful
     * predictions.
     */
    static final class Budget implements Strategy {
        private final IndexStepper stepper;
        final int home;
        double credit = 0;

        Budget() {
            int count = LESS_BELOW.length;
            int fits = -1;
            int cheapest = 0;
            for (int k = 0; k < count; k++) {
                if (fits < 0 && COSTS[k] <= BUDGET) fits = k;
                if (COSTS[k] < COSTS[cheapest]) cheapest = k;
            }
            home = fits >= 0 ? fits : cheapest;
            stepper = new IndexStepper(count, false);
        }

        public int index() {
            return stepper.index;
        }

        public int next(int prediction, double confidence) {
            IndexStepper s = stepper;
            int k = s.index;
            checkClass(prediction, LESS_BELOW[k].length);
            credit = Math.min(credit + BUDGET - COSTS[k], SLACK);
            int home = clampIndex(this.home, s.min, s.max);
            if (confidence < LESS_BELOW[k][prediction] && credit >= COSTS[s.min] - BUDGET) {
                s.lowest();
            } else if (credit < 0 || k > home) {
                s.index = home;
            } else if (credit >= SLACK) {
                s.index = Math.max(k - 1, s.min);
            } else if (k < home && confidence > MORE_ABOVE[k][prediction]) {
                s.index = home;
            }
            return s.index;
        }

        public int restrict(int min, int max) {
            return stepper.restrict(min, max);
        }
    }
`,
  rules: `
    /** The first rule matching the device's state sets the allowed range of the inner strategy. */
    static final class ContextRules implements Strategy {
        private final Strategy inner;
        private final int count;
        private final int[] min = new int[RULE_MIN.length];
        private final int[] max = new int[RULE_MAX.length];

        ContextRules(Strategy inner, int count) {
            this.inner = inner;
            this.count = count;
            int last = count - 1;
            for (int r = 0; r < RULE_MIN.length; r++) {
                min[r] = Math.min(RULE_MIN[r], last);
                max[r] = Math.min(RULE_MAX[r], last);
            }
        }

        static boolean matches(int r, double battery, boolean charging, String mode) {
            return (Double.isNaN(RULE_BATTERY_BELOW[r]) || battery < RULE_BATTERY_BELOW[r])
                && (Double.isNaN(RULE_BATTERY_AT_LEAST[r]) || battery >= RULE_BATTERY_AT_LEAST[r])
                && (RULE_CHARGING[r] < 0 || charging == (RULE_CHARGING[r] == 1))
                && (RULE_MODE[r] == null || RULE_MODE[r].equals(mode));
        }

        int setContext(double battery, boolean charging, String mode) {
            for (int r = 0; r < RULE_MIN.length; r++) {
                if (matches(r, battery, charging, mode)) return inner.restrict(min[r], max[r]);
            }
            return inner.restrict(0, count - 1);
        }

        public int index() {
            return inner.index();
        }

        public int next(int prediction, double confidence) {
            return inner.next(prediction, confidence);
        }

        public int restrict(int min, int max) {
            return inner.restrict(min, max);
        }
    }
`,
};

/** The Java expression constructing a strategy. */
function construct(spec: StrategySpec, count: number): string {
  const exp = (g?: string) => String(g === 'exponential');
  switch (spec.kind) {
    case 'fixed': return `new Fixed(${count}, ${spec.index})`;
    case 'naive': return `new Naive(${count}, ${exp(spec.growth)})`;
    case 'state': return `new StateDriven(${count}, ${exp(spec.growth)}, ${spec.window ?? 3}, ${spec.voteLimit ?? 2})`;
    case 'confidence': return `new ConfidenceDriven(${exp(spec.growth)})`;
    case 'budget': return 'new Budget()';
    case 'rules': return `new ContextRules(${construct(spec.inner, count)}, ${count})`;
  }
}

function ruleTables(rules: ContextRule[]): string {
  const opt = (v: number | undefined) => doubleLiteral(v ?? NaN);
  return [
    `    static final double[] RULE_BATTERY_BELOW = {${rules.map((r) => opt(r.batteryBelow)).join(', ')}};`,
    `    static final double[] RULE_BATTERY_AT_LEAST = {${rules.map((r) => opt(r.batteryAtLeast)).join(', ')}};`,
    '    /** -1: any, 0: not charging, 1: charging. */',
    `    static final int[] RULE_CHARGING = {${rules.map((r) => (r.charging === undefined ? -1 : r.charging ? 1 : 0)).join(', ')}};`,
    `    static final String[] RULE_MODE = {${rules.map((r) => (r.mode === undefined ? 'null' : stringLiteral(r.mode, 'java'))).join(', ')}};`,
    `    static final int[] RULE_MIN = {${rules.map((r) => r.min).join(', ')}};`,
    `    static final int[] RULE_MAX = {${rules.map((r) => r.max).join(', ')}};`,
  ].join('\n');
}

export function javaEngine(m: EngineModel, pkg: string, header: string): string {
  const spec = m.spec;
  const count = m.names.length;
  const tables: string[] = [
    '    /** Configuration names by index: 0 is exact, then by increasing speedup. */',
    `    public static final String[] CONFIGURATIONS = {${m.names.map((n) => stringLiteral(n, 'java')).join(', ')}};`,
    '    /** Softmax temperature of each configuration\'s outputs (calibration). */',
    `    static final double[] TEMPERATURES = ${doubleArray(m.temperatures, 'java')};`,
  ];
  if (m.thresholds) {
    tables.push('    /** LESS_BELOW[k][c]: at configuration k, a prediction of class c below this confidence approximates less. */',
      `    static final double[][] LESS_BELOW = ${doubleMatrix(m.thresholds.lessBelow, 'java', '    ')};`,
      `    static final double[][] MORE_ABOVE = ${doubleMatrix(m.thresholds.moreAbove, 'java', '    ')};`);
  }
  if (m.costs) {
    const budget = spec.kind === 'budget' ? spec : spec.kind === 'rules' && spec.inner.kind === 'budget' ? spec.inner : undefined;
    tables.push('    /** Relative cost of each configuration (exact = 1), as profiled. */',
      `    static final double[] COSTS = ${doubleArray(m.costs, 'java')};`,
      `    static final double BUDGET = ${doubleLiteral(budget!.budget)};`,
      `    static final double SLACK = ${doubleLiteral(budget!.slack ?? 2)};`);
  }
  if (spec.kind === 'rules') tables.push(ruleTables(spec.rules));
  const rules = spec.kind === 'rules';
  return `${header}
package ${pkg};

public final class MobiproxAdaptation {
${tables.join('\n')}

    private final Strategy strategy;

    public MobiproxAdaptation() {
        strategy = ${construct(spec, count)};
    }

    /** The configuration for the next inference. */
    public int index() {
        return strategy.index();
    }

    /** Feeds the prediction and calibrated confidence of the inference just run at index(); returns the next index. */
    public int next(int prediction, double confidence) {
        return strategy.next(prediction, confidence);
    }

    /** Feeds the raw output of the inference just run at index(): its argmax and softmax(output / T[index]). */
    public int observe(float[] output) {
        int prediction = argmax(output);
${m.probabilities ? `        // The model ends in Softmax: calibration scaled the log-probabilities, as float32.
        float[] logits = new float[output.length];
        for (int j = 0; j < output.length; j++) logits[j] = (float) Math.log(output[j]);
        return strategy.next(prediction, confidence(logits, prediction, TEMPERATURES[strategy.index()]));` : `        return strategy.next(prediction, confidence(output, prediction, TEMPERATURES[strategy.index()]));`}
    }

    /** Allows only configurations min..max from now on. */
    public int restrict(int min, int max) {
        return strategy.restrict(min, max);
    }
${rules ? `
    /** Applies the first context rule matching the device's state (battery in percent); returns the index. */
    public int setContext(double battery, boolean charging, String mode) {
        return ((ContextRules) strategy).setContext(battery, charging, mode);
    }
` : ''}
    /** The first largest output. */
    public static int argmax(float[] output) {
        int best = 0;
        for (int j = 1; j < output.length; j++) if (output[j] > output[best]) best = j;
        return best;
    }

    /** softmax(output / temperature)[c], max-subtracted so that large outputs cannot overflow. */
    public static double confidence(float[] output, int c, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : output) if (v > max) max = v;
        double sum = 0;
        for (float v : output) sum += Math.exp((v - max) / temperature);
        return Math.exp((output[c] - max) / temperature) / sum;
    }

    interface Strategy {
        int index();

        int next(int prediction, double confidence);

        int restrict(int min, int max);
    }
${STEPPER}${strategyKinds(spec).map((k) => CLASSES[k]).join('')}}
`;
}
