// A webpack 5 app: taskweave's plugin (ORT's files under /ort/), plus what any app has.
import CopyPlugin from 'copy-webpack-plugin';
import HtmlWebpackPlugin from 'html-webpack-plugin';
import { TaskweaveOrtPlugin, crossOriginIsolationHeaders } from '@taskweave/web-worker/webpack';

export default {
  entry: './src/index.js',
  output: { clean: true },
  plugins: [
    new TaskweaveOrtPlugin(),
    new HtmlWebpackPlugin({ template: 'index.html' }),
    // The app's own static files: public/models/<modelId>/ (the pool's default modelBaseUrl, /models/).
    new CopyPlugin({ patterns: [{ from: 'public' }] }),
  ],
  devServer: { headers: crossOriginIsolationHeaders, static: 'public' },
  // Not for taskweave: skipping minification keeps the test's build short.
  optimization: { minimize: false },
  performance: { hints: false },
};
