/**
 * The federation contract for `kubefed` against a real cluster with KubeFed installed, which
 * joins itself (the usual KubeFed set-up: the host is also a member). Not part of `vitest run`:
 *   KUBECONFIG=~/.kube/kubefed-host.config \
 *     npx vitest run -c vitest.real.config.ts test/real/federation-kubefed.real.ts
 * KUBECONFIG: admin rights on a cluster running the KubeFed controller (namespace
 * kube-federation-system, KubeFedCluster CRD), whose API server address in that kubeconfig is
 * reachable from the KubeFed controller. Every join goes to that cluster under a fresh name.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubefedFederation } from '../../shared/drivers/federation/kubefed.ts';
import { KubefedOptionsSchema } from '../../shared/drivers/federation/kubefed-options.ts';
import { runFederationContract } from '../support/contracts/federation.ts';
import { realFederation } from '../support/real-federation.ts';

runFederationContract('kubefed (real cluster)', async () => {
  if (!process.env.KUBECONFIG)
    throw new Error('KUBECONFIG must point at a real cluster running KubeFed for this suite');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  // No kubeconfig option: the driver does the same default search (KUBECONFIG).
  return realFederation(new KubefedFederation(KubefedOptionsSchema.parse({})), kc);
});
