import { MobiproxError } from '../errors';
import { ConfigurationSet } from './configurationSet';

/**
 * The configurations picked in the Pareto panel, as a set of their own: the exact configuration stays first
 * whatever was picked, since costs, losses and the adaptation engines are all relative to it.
 */
export function selectConfigurations<S extends ConfigurationSet>(set: S, names: readonly string[] | undefined): S {
  if (!names || names.length === 0) return set;
  const unknown = names.filter((n) => !set.configurations.some((c) => c.name === n));
  if (unknown.length) throw new MobiproxError(`The set has no configuration ${unknown.join(', ')}; show its Pareto plot again.`, { value: unknown.join(',') });
  const wanted = new Set(names);
  const configurations = set.configurations.filter((c, i) => i === 0 || wanted.has(c.name));
  // A calibration holds one entry per configuration: it no longer lines up with a subset.
  const { calibration: _dropped, ...rest } = set as S & { calibration?: unknown };
  return { ...(rest as unknown as S), configurations };
}
