import { startFakeCloudRun } from './fake-cloudrun';
import { startFakeSecretManager } from './fake-secret-manager';
void (async () => {
  const run = await startFakeCloudRun();
  const sm = await startFakeSecretManager();
  sm.createSecret('acme-test', 'pw');
  console.log(`RUN_EP=${run.endpoint} SM_EP=${sm.endpoint}`);
  setInterval(() => console.error('calls', run.calls.map((c) => c.method).join(','), sm.calls.map((c) => c.method).join(',')), 2000);
})();
