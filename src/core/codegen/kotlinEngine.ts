/**
 * The adaptation engine in Kotlin: the same line-by-line port as javaEngine.ts. Written for Kotlin 1.3
 * (Debian's kotlinc) as well as current Kotlin: java.lang.Math and plain arrays only, no newer stdlib API.
 * Methods rather than properties, so that Java callers see the same API as the Java engine's.
 */
import { ContextRule } from '../adapt/contextRules';
import { StrategySpec } from '../adapt/strategies';
import { EngineModel, strategyKinds } from './engineModel';
import { doubleArray, doubleLiteral, doubleMatrix, stringLiteral } from './literals';

const STEPPER = `
    /** "More" = index + step, then step *= factor; "less" = index / 2, step = 1; clamped to [min, max]. */
    internal class IndexStepper(private val count: Int, exponential: Boolean) {
        var index: Int = 0
        var step: Int = 1
        var min: Int = 0
        var max: Int = count - 1
        private val factor: Int = if (exponential) 2 else 1
        private val stepCap: Int = Math.max(1, count - 1)

        fun more(): Int {
            index = Math.min(index + step, max)
            step = Math.min(step * factor, stepCap)
            return index
        }

        fun less(): Int {
            index = Math.max(index / 2, min)
            step = 1
            return index
        }

        fun lowest(): Int {
            index = min
            step = 1
            return index
        }

        fun restrict(min: Int, max: Int): Int {
            checkRange(min, max, count)
            this.min = min
            this.max = max
            index = clampIndex(index, min, max)
            return index
        }
    }
`;

const HELPERS = `
        internal fun clampIndex(index: Int, min: Int, max: Int): Int = if (index < min) min else if (index > max) max else index

        internal fun checkRange(min: Int, max: Int, count: Int) {
            if (min < 0 || max >= count || min > max) {
                throw IllegalArgumentException("The allowed configuration range [" + min + ", " + max +
                    "] must be whole indices with 0 <= min <= max <= " + (count - 1) + ".")
            }
        }

        internal fun checkClass(prediction: Int, classes: Int) {
            if (prediction < 0 || prediction >= classes) {
                throw IllegalArgumentException("Predicted class " + prediction + " is outside the " + classes +
                    " classes of the confidence thresholds.")
            }
        }
`;

const CLASSES: Record<StrategySpec['kind'], string> = {
  fixed: `
    /** Never moves: the pinned configuration, or the nearest one the allowed range permits. */
    internal class Fixed(private val count: Int, private val pinned: Int) : Strategy {
        private var current: Int = pinned

        override fun index(): Int = current

        override fun next(prediction: Int, confidence: Double): Int = current

        override fun restrict(min: Int, max: Int): Int {
            checkRange(min, max, count)
            current = clampIndex(pinned, min, max)
            return current
        }
    }
`,
  naive: `
    /** More when a prediction repeats the previous one, less when it differs. */
    internal class Naive(count: Int, exponential: Boolean) : Strategy {
        private val stepper = IndexStepper(count, exponential)
        private var previous: Int = -1

        override fun index(): Int = stepper.index

        override fun next(prediction: Int, confidence: Double): Int {
            if (previous >= 0) {
                if (prediction == previous) stepper.more()
                else stepper.less()
            }
            previous = prediction
            return stepper.index
        }

        override fun restrict(min: Int, max: Int): Int = stepper.restrict(min, max)
    }
`,
  state: `
    /** A FIFO of the last N predictions votes once full; at V >= V_L more, at V <= -V_L less, then V = 0. */
    internal class StateDriven(count: Int, exponential: Boolean, private val window: Int, private val voteLimit: Int) : Strategy {
        private val stepper = IndexStepper(count, exponential)
        private val fifo = IntArray(window)
        private var head: Int = 0
        private var filled: Int = 0
        private var vote: Int = 0

        override fun index(): Int = stepper.index

        override fun next(prediction: Int, confidence: Double): Int {
            fifo[head] = prediction
            head = (head + 1) % window
            if (filled < window) filled++
            if (filled < window) return stepper.index

            var allEqual = true
            for (k in 1 until window) if (fifo[k] != fifo[0]) allEqual = false
            vote = if (allEqual) Math.max(0, vote) + 1 else Math.min(0, vote) - 1
            if (vote >= voteLimit) {
                stepper.more()
                vote = 0
            } else if (vote <= -voteLimit) {
                stepper.less()
                vote = 0
            }
            return stepper.index
        }

        override fun restrict(min: Int, max: Int): Int = stepper.restrict(min, max)
    }
`,
  confidence: `
    /** Less below LESS_BELOW[k][class], more above MORE_ABOVE[k][class], else stay. */
    internal class ConfidenceDriven(exponential: Boolean) : Strategy {
        private val stepper = IndexStepper(LESS_BELOW.size, exponential)

        override fun index(): Int = stepper.index

        override fun next(prediction: Int, confidence: Double): Int {
            val k = stepper.index
            checkClass(prediction, LESS_BELOW[k].size)
            if (confidence < LESS_BELOW[k][prediction]) stepper.less()
            else if (confidence > MORE_ABOVE[k][prediction]) stepper.more()
            return stepper.index
        }

        override fun restrict(min: Int, max: Int): Int = stepper.restrict(min, max)
    }
`,
  budget: `
    /**
     * Keeps the mean relative cost under BUDGET: rests at home (the most accurate configuration that fits,
     * else the cheapest), banks credit += BUDGET - COSTS[k] (capped at SLACK) and spends it on doubtful
     * predictions.
     */
    internal class Budget : Strategy {
        private val stepper: IndexStepper
        val home: Int
        var credit: Double = 0.0

        init {
            val count = LESS_BELOW.size
            var fits = -1
            var cheapest = 0
            for (k in 0 until count) {
                if (fits < 0 && COSTS[k] <= BUDGET) fits = k
                if (COSTS[k] < COSTS[cheapest]) cheapest = k
            }
            home = if (fits >= 0) fits else cheapest
            stepper = IndexStepper(count, false)
        }

        override fun index(): Int = stepper.index

        override fun next(prediction: Int, confidence: Double): Int {
            val s = stepper
            val k = s.index
            checkClass(prediction, LESS_BELOW[k].size)
            credit = Math.min(credit + BUDGET - COSTS[k], SLACK)
            val home = clampIndex(this.home, s.min, s.max)
            if (confidence < LESS_BELOW[k][prediction] && credit >= COSTS[s.min] - BUDGET) {
                s.lowest()
            } else if (credit < 0 || k > home) {
                s.index = home
            } else if (credit >= SLACK) {
                s.index = Math.max(k - 1, s.min)
            } else if (k < home && confidence > MORE_ABOVE[k][prediction]) {
                s.index = home
            }
            return s.index
        }

        override fun restrict(min: Int, max: Int): Int = stepper.restrict(min, max)
    }
`,
  rules: `
    /** The first rule matching the device's state sets the allowed range of the inner strategy. */
    internal class ContextRules(private val inner: Strategy, private val count: Int) : Strategy {
        private val min = IntArray(RULE_MIN.size)
        private val max = IntArray(RULE_MAX.size)

        init {
            val last = count - 1
            for (r in 0 until RULE_MIN.size) {
                min[r] = Math.min(RULE_MIN[r], last)
                max[r] = Math.min(RULE_MAX[r], last)
            }
        }

        private fun matches(r: Int, battery: Double, charging: Boolean, mode: String): Boolean =
            (java.lang.Double.isNaN(RULE_BATTERY_BELOW[r]) || battery < RULE_BATTERY_BELOW[r]) &&
                (java.lang.Double.isNaN(RULE_BATTERY_AT_LEAST[r]) || battery >= RULE_BATTERY_AT_LEAST[r]) &&
                (RULE_CHARGING[r] < 0 || charging == (RULE_CHARGING[r] == 1)) &&
                (RULE_MODE[r] == null || RULE_MODE[r] == mode)

        fun setContext(battery: Double, charging: Boolean, mode: String): Int {
            for (r in 0 until RULE_MIN.size) {
                if (matches(r, battery, charging, mode)) return inner.restrict(min[r], max[r])
            }
            return inner.restrict(0, count - 1)
        }

        override fun index(): Int = inner.index()

        override fun next(prediction: Int, confidence: Double): Int = inner.next(prediction, confidence)

        override fun restrict(min: Int, max: Int): Int = inner.restrict(min, max)
    }
`,
};

function construct(spec: StrategySpec, count: number): string {
  const exp = (g?: string) => String(g === 'exponential');
  switch (spec.kind) {
    case 'fixed': return `Fixed(${count}, ${spec.index})`;
    case 'naive': return `Naive(${count}, ${exp(spec.growth)})`;
    case 'state': return `StateDriven(${count}, ${exp(spec.growth)}, ${spec.window ?? 3}, ${spec.voteLimit ?? 2})`;
    case 'confidence': return `ConfidenceDriven(${exp(spec.growth)})`;
    case 'budget': return 'Budget()';
    case 'rules': return `ContextRules(${construct(spec.inner, count)}, ${count})`;
  }
}

function ruleTables(rules: ContextRule[]): string {
  const opt = (v: number | undefined) => doubleLiteral(v ?? NaN);
  return [
    `        internal val RULE_BATTERY_BELOW = doubleArrayOf(${rules.map((r) => opt(r.batteryBelow)).join(', ')})`,
    `        internal val RULE_BATTERY_AT_LEAST = doubleArrayOf(${rules.map((r) => opt(r.batteryAtLeast)).join(', ')})`,
    '        /** -1: any, 0: not charging, 1: charging. */',
    `        internal val RULE_CHARGING = intArrayOf(${rules.map((r) => (r.charging === undefined ? -1 : r.charging ? 1 : 0)).join(', ')})`,
    `        internal val RULE_MODE = arrayOf<String?>(${rules.map((r) => (r.mode === undefined ? 'null' : stringLiteral(r.mode, 'kotlin'))).join(', ')})`,
    `        internal val RULE_MIN = intArrayOf(${rules.map((r) => r.min).join(', ')})`,
    `        internal val RULE_MAX = intArrayOf(${rules.map((r) => r.max).join(', ')})`,
  ].join('\n');
}

export function kotlinEngine(m: EngineModel, pkg: string, header: string): string {
  const spec = m.spec;
  const count = m.names.length;
  const tables: string[] = [
    '        /** Configuration names by index: 0 is exact, then by increasing speedup. */',
    `        @JvmField val CONFIGURATIONS = arrayOf(${m.names.map((n) => stringLiteral(n, 'kotlin')).join(', ')})`,
    '        /** Softmax temperature of each configuration\'s outputs (calibration). */',
    `        internal val TEMPERATURES = ${doubleArray(m.temperatures, 'kotlin')}`,
  ];
  if (m.thresholds) {
    tables.push('        /** LESS_BELOW[k][c]: at configuration k, a prediction of class c below this confidence approximates less. */',
      `        internal val LESS_BELOW = ${doubleMatrix(m.thresholds.lessBelow, 'kotlin', '        ')}`,
      `        internal val MORE_ABOVE = ${doubleMatrix(m.thresholds.moreAbove, 'kotlin', '        ')}`);
  }
  if (m.costs) {
    const budget = spec.kind === 'budget' ? spec : spec.kind === 'rules' && spec.inner.kind === 'budget' ? spec.inner : undefined;
    tables.push('        /** Relative cost of each configuration (exact = 1), as profiled. */',
      `        internal val COSTS = ${doubleArray(m.costs, 'kotlin')}`,
      `        internal const val BUDGET: Double = ${doubleLiteral(budget!.budget)}`,
      `        internal const val SLACK: Double = ${doubleLiteral(budget!.slack ?? 2)}`);
  }
  if (spec.kind === 'rules') tables.push(ruleTables(spec.rules));
  const rules = spec.kind === 'rules';
  return `${header}
package ${pkg}

class MobiproxAdaptation {
    private val strategy: Strategy = ${construct(spec, count)}

    /** The configuration for the next inference. */
    fun index(): Int = strategy.index()

    /** Feeds the prediction and calibrated confidence of the inference just run at index(); returns the next index. */
    fun next(prediction: Int, confidence: Double): Int = strategy.next(prediction, confidence)

    /** Feeds the raw output of the inference just run at index(): its argmax and softmax(output / T[index]). */
    fun observe(output: FloatArray): Int {
        val prediction = argmax(output)
${m.probabilities ? `        // The model ends in Softmax: calibration scaled the log-probabilities, as float32.
        val logits = FloatArray(output.size)
        for (j in 0 until output.size) logits[j] = Math.log(output[j].toDouble()).toFloat()
        return strategy.next(prediction, confidence(logits, prediction, TEMPERATURES[strategy.index()]))` : `        return strategy.next(prediction, confidence(output, prediction, TEMPERATURES[strategy.index()]))`}
    }

    /** Allows only configurations min..max from now on. */
    fun restrict(min: Int, max: Int): Int = strategy.restrict(min, max)
${rules ? `
    /** Applies the first context rule matching the device's state (battery in percent); returns the index. */
    fun setContext(battery: Double, charging: Boolean, mode: String): Int = (strategy as ContextRules).setContext(battery, charging, mode)
` : ''}
    internal interface Strategy {
        fun index(): Int

        fun next(prediction: Int, confidence: Double): Int

        fun restrict(min: Int, max: Int): Int
    }
${STEPPER}${strategyKinds(spec).map((k) => CLASSES[k]).join('')}
    companion object {
${tables.join('\n')}

        /** The first largest output. */
        @JvmStatic
        fun argmax(output: FloatArray): Int {
            var best = 0
            for (j in 1 until output.size) if (output[j] > output[best]) best = j
            return best
        }

        /** softmax(output / temperature)[c], max-subtracted so that large outputs cannot overflow. */
        @JvmStatic
        fun confidence(output: FloatArray, c: Int, temperature: Double): Double {
            var max = Double.NEGATIVE_INFINITY
            for (v in output) if (v > max) max = v.toDouble()
            var sum = 0.0
            for (v in output) sum += Math.exp((v - max) / temperature)
            return Math.exp((output[c] - max) / temperature) / sum
        }
${HELPERS}    }
}
`;
}
