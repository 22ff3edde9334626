/**
 * The federation contract for `karmada` against a real Karmada control plane and a real
 * member cluster. Not part of `vitest run`; run with
 *   KARMADA_KUBECONFIG=~/.kube/karmada-apiserver.config KUBECONFIG=~/.kube/member.config \
 *     npx vitest run -c vitest.real.config.ts test/real/federation-karmada.real.ts
 * KARMADA_KUBECONFIG: the karmada-apiserver (the caller may create Clusters and Secrets in
 * karmada-cluster). KUBECONFIG: a member cluster with admin rights, whose API server address
 * in that kubeconfig is reachable from karmada-controller-manager (with kind, use the
 * container address, not 127.0.0.1). Every join of the suite goes to that one member under a
 * fresh name; the suite leaves each of them (newest first) and checks what is left.
 */
import { KubeConfig } from '@kubernetes/client-node';
import type { FederationDriver } from '../../shared/drivers/federation/federation.ts';
import { KarmadaFederation } from '../../shared/drivers/federation/karmada.ts';
import { KarmadaOptionsSchema } from '../../shared/drivers/federation/karmada-options.ts';
import { runFederationContract } from '../support/contracts/federation.ts';
import { realFederation } from '../support/real-federation.ts';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must point at a real cluster for the karmada *.real.ts suite`);
  return value;
}

runFederationContract('karmada (real cluster)', async () => {
  env('KUBECONFIG');
  const member = new KubeConfig();
  member.loadFromDefault();
  const federation: FederationDriver = new KarmadaFederation(
    KarmadaOptionsSchema.parse({ kubeconfigPath: env('KARMADA_KUBECONFIG') }),
  );
  return realFederation(federation, member);
});
