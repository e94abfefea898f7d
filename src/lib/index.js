import CachedImage from "./components/CachedImage.react";
import DownloadLink from "./components/DownloadLink.react";

export { CachedImage, DownloadLink };
