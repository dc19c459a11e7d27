import { startFakeCloudRun } from './fake-cloudrun';
import { servicesClient } from '../../src/cloudrun/clients';
void (async () => {
  const f = await startFakeCloudRun();
  let t = Date.now();
  const c = await servicesClient({ project: 'p', region: 'r', apiEndpoint: f.endpoint } as any);
  console.log('construct', Date.now() - t); t = Date.now();
  await c.getService({ name: 'projects/p/locations/r/services/x' }).catch(() => 0);
  console.log('first get', Date.now() - t); t = Date.now();
  await c.getService({ name: 'projects/p/locations/r/services/x' }).catch(() => 0);
  console.log('second get', Date.now() - t); t = Date.now();
  await c.close(); await f.close();
})();
