// The app: signs in quietly at launch; pages sign in again by themselves
// whenever the session is gone (src/lib/request.ts).
import { signIn, tokens } from './lib/request';

App({
  onLaunch() {
    if (!tokens()) {
      signIn().catch(() => undefined);
    }
  },
});
