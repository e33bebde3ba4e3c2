// plotly-basic.min.js is loaded as its own script before the page's bundle (shared by the webviews that plot),
// and defines this global.
declare const Plotly: typeof import('plotly.js-basic-dist-min');
