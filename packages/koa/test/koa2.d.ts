// Koa 2 is installed under the alias `koa2` for the version matrix; its API is the one
// @types/koa describes for what these tests use.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
