import { SimulatedFederation } from '../../../../../shared/drivers/federation/simulated.ts';
import { SimulatedFederationOptionsSchema } from '../../../../../shared/drivers/federation/simulated-options.ts';
import { SimulatedProvider } from '../../../../../shared/drivers/provider/simulated.ts';
import { SimulatedProviderOptionsSchema } from '../../../../../shared/drivers/provider/simulated-options.ts';
import { runFederationContract } from '../../../../support/contracts/federation.ts';

runFederationContract('simulated', async () => {
  const provider = new SimulatedProvider(
    'simulated',
    SimulatedProviderOptionsSchema.parse({ readyAfterMs: 0 }),
  );
  let n = 0;
  return {
    federation: new SimulatedFederation(SimulatedFederationOptionsSchema.parse({ readyAfterSeconds: 0.2 })),
    member: async () => {
      const name = `cb-member${n++}`;
      await provider.create({
        name,
        burstId: 'b-000000000000',
        owner: 'x',
        region: 'local',
        nodes: 1,
        labels: {},
      });
      await provider.describe(name);
      return { credentials: await provider.credentials(name) };
    },
    cleanup: () => provider.close(),
  };
});
