// `express4` is Express 4 installed under an alias, to run the same suite on both majors. Only
// @types/express 5 is installed; the tests use the API the two versions share.
declare module 'express4' {
  import express = require('express');
  export = express;
}
