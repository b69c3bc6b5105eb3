import Koa from 'koa';

const app = new Koa<{ user: string }>();
app.use(async (ctx, next) => {
  await next();
  ctx.sse?.send({ event: 'welcome', data: ctx.state.user });
});
