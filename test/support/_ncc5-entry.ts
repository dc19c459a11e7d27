import { deployService, undoDeploy } from '../../src/cloudrun/deploy';
import { memoryLogger } from '../../src/log';
import { CloudRunOptions } from '../../src/options';

async function main() {
  const t0 = Date.now();
  const m = memoryLogger(); const log = { ...m, info: (x: string) => console.log(Date.now() - t0, x) };
  const options = CloudRunOptions.parse({
    project: 'acme-test', region: 'europe-west1', image: 'img:1',
    apiEndpoint: process.env.RUN_EP, secretManagerEndpoint: process.env.SM_EP, dbPasswordSecret: 'pw', deadlineSeconds: 10,
  });
  const input = { options, serviceName: 'api-bundle', slug: 'bundle', tenantId: '1',
    database: { name: 'tenant_bundle', host: 'h', port: 5432, user: 'u', password: 'secret-pass-1' }, dryRun: false, log };
  const r = await deployService(input);
  console.log(JSON.stringify(r));
  await undoDeploy(input, r);
  
  console.log('ms', Date.now() - t0);
}
main().catch((e) => { console.error('FAILED', e); process.exit(1); });
