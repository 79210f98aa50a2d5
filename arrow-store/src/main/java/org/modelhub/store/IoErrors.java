package org.modelhub.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Says what went wrong with a file in words: NIO's exceptions often carry only the path,
 * which a message that already names the path would just repeat.
 */
public final class IoErrors {
  private IoErrors() {
  }

  public static String describe(IOException e) {
    String what;
    if (e instanceof NoSuchFileException) {
      what = "no such file or folder";
    } else if (e instanceof AccessDeniedException) {
      what = "permission denied";
    } else if (e instanceof FileAlreadyExistsException) {
      what = "already exists";
    } else if (e instanceof DirectoryNotEmptyException) {
      what = "folder not empty";
    } else if (e instanceof NotDirectoryException) {
      what = "not a folder";
    } else if (e instanceof FileSystemException && ((FileSystemException) e).getReason() != null) {
      what = ((FileSystemException) e).getReason();
    } else {
      what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    if (e instanceof FileSystemException && ((FileSystemException) e).getFile() != null) {
      return ((FileSystemException) e).getFile() + ": " + what;
    }
    return what;
  }
}
