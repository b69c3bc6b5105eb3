import express from 'express';
import { createHub } from '@ssekit/core';
import { sse, ssePreflight } from '@ssekit/express';

const hub = createHub();
const app = express();
const cors = { origins: ['https://app.example.com'], credentials: true };
app.get('/events', sse({ hub, cors }));
app.options('/events', ssePreflight(cors)); // app.get never sees OPTIONS
app.listen(3000);
