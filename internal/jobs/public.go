package jobs

import (
	"fmt"
	"net/http"
)

// HTTPStatus is 404: the request named a file CDF does not have.
// HTTPStatus, PublicHeading, PublicMessage, PublicHint and ErrorKind are
// what segview's error page shows; its one error handler
// (internal/handlers) asks for them by an interface of its own.
func (e *FileNotFoundError) HTTPStatus() int       { return http.StatusNotFound }
func (e *FileNotFoundError) PublicHeading() string { return "Not found" }
func (e *FileNotFoundError) PublicMessage() string {
	return fmt.Sprintf("File %d does not exist in CDF.", e.FileID)
}
func (e *FileNotFoundError) PublicHint() string { return "" }
func (e *FileNotFoundError) ErrorKind() string  { return "not_found" }
