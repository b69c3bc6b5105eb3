import { subscribe } from '@ssekit/client';

// Your token cache: returns a valid token, refreshing it when it is about to expire.
declare function accessToken(): Promise<string>;

const events = subscribe('/events?topic=orders', {
  // Called before every request, so a reconnect an hour later carries a fresh token.
  headers: async () => ({ authorization: `Bearer ${await accessToken()}` }),
  onError: (error) => {
    // A 401 or 403 ends the subscription: send the user to sign in.
    if (error.code === 'status' && (error.status === 401 || error.status === 403)) location.assign('/login');
  },
});

events.on('message', (event) => console.log(event.data));
