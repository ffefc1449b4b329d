// Sending a pending message of a conversation that is not on screen: used
// when the connection returns and messages written offline go again.

import { NetworkError } from './api.js';

// sendPending delivers p (same client_id: the server stores it once, however
// many times it is sent) and folds the answer into the store; a failure
// leaves p failed, to go again on the next reconnect or by Retry.
export async function sendPending(app, convId, box, p) {
  p.state = 'sending';
  try {
    // The same send as on screen: a bot button's tap keeps its payload.
    const r = await app.api.send(convId, p.text, p.clientId, p.replyTo, p.attachments, p.payload);
    box.delete(p.clientId);
    if (app.store) app.store.applyMessage(r.message, false);
  } catch (e) {
    p.state = 'failed';
    p.error = e.message;
    p.offline = e instanceof NetworkError;
  }
}
