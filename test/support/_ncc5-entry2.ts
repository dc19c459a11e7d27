import { secretManagerClient, servicesClient } from '../../src/cloudrun/clients';
async function main() {
  let t = Date.now();
  const o = { apiEndpoint: process.env.RUN_EP, secretManagerEndpoint: process.env.SM_EP } as any;
  const run = await servicesClient(o); console.log('run client', Date.now() - t); t = Date.now();
  const sm = await secretManagerClient(o); console.log('sm client', Date.now() - t); t = Date.now();
  await run.getService({ name: 'projects/p/locations/r/services/x' }).catch(() => 0); console.log('get', Date.now() - t); t = Date.now();
  await sm.getSecret({ name: 'projects/p/secrets/x' }).catch(() => 0); console.log('getSecret', Date.now() - t); t = Date.now();
  await run.close(); await sm.close();
}
void main();
