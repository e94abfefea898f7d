import CachedImage from "./components/CachedImage.react";
import DownloadLink from "./components/DownloadLink.react";
import Downloader from "./components/Downloader.react";
import PlainDownloader from "./components/PlainDownloader.react";

export { CachedImage, DownloadLink, Downloader, PlainDownloader };
