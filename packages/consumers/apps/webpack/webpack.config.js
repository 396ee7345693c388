// A webpack 5 app: taskweave's plugin (ORT's files under /ort/, use-lite from its package under
// /models/use-lite/), plus what any app has.
import HtmlWebpackPlugin from 'html-webpack-plugin';
import { TaskweaveOrtPlugin, crossOriginIsolationHeaders } from '@taskweave/web-worker/webpack';

export default {
  entry: './src/index.js',
  output: { clean: true },
  plugins: [
    // The model by package name: emitted under models/use-lite/ (the pool's default modelBaseUrl, /models/).
    new TaskweaveOrtPlugin({ models: ['@taskweave/model-use-lite'] }),
    new HtmlWebpackPlugin({ template: 'index.html' }),
  ],
  devServer: { headers: crossOriginIsolationHeaders },
  // Not for taskweave: skipping minification keeps the test's build short.
  optimization: { minimize: false },
  performance: { hints: false },
};
