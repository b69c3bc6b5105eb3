// Express 4 and Koa 2 are installed under aliases (`express4`, `koa2`) to run the matrix on both
// majors; their APIs are the ones @types/express 5 and @types/koa describe for what it uses.
declare module 'express4' {
  import express = require('express');
  export = express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
